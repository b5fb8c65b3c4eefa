/** Which rules save each writable entity (CompaniesStructure is an inquiry, served by PUT in api.ts). */
import { billRules } from './bill-rules.ts';
import { checkRules } from './check-rules.ts';
import { masterRules } from './master-rules.ts';
import type { EntityRules } from './rules.ts';

export const entityRules: Record<string, EntityRules> = { ...masterRules, Bill: billRules, Check: checkRules };
