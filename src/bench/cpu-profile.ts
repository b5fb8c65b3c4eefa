import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * Runs `work` under V8's sampling profiler and writes the profile to `dir/<name>.cpuprofile`
 * (open it in Chrome DevTools' Performance panel or any .cpuprofile viewer). Only the timed phase
 * is sampled, not the process start, seeding or connecting.
 */
export async function profiled<T>(dir: string | null, name: string, work: () => Promise<T>): Promise<T> {
  if (dir === null) return work();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    try {
      return await work();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`), JSON.stringify(profile));
    }
  } finally {
    session.disconnect();
  }
}
