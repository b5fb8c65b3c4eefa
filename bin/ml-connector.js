#!/usr/bin/env node
// The CLI runs from the TypeScript sources through tsx's loader, so there is no build step
// and no compiled copy that can drift from src/ (see docs/adr/0002-run-typescript-through-tsx.md).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
