import { audit } from './audit.ts';
import { connect } from './connect.ts';
import { emulate } from './emulate.ts';
import { link } from './link.ts';
import { mapping } from './mapping.ts';
import { ping } from './ping.ts';
import { reconcile } from './reconcile.ts';
import { replay } from './replay.ts';
import { serve } from './serve.ts';
import { skip } from './skip.ts';
import { status } from './status.ts';
import { sync } from './sync.ts';
import type { Command } from './types.ts';

export const commands: Record<string, Command> = { emulate, connect, ping, link, mapping, sync, reconcile, status, audit, replay, skip, serve };
