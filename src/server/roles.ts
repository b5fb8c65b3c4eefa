/** What a `serve` process runs: the HTTP server, the workers, or both. */
export const serverRoles = ['all', 'web', 'worker'] as const;
export type ServerRole = (typeof serverRoles)[number];
