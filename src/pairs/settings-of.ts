import type { ZodType } from 'zod';
import type { Link } from '../model/link.ts';

/**
 * A pair's reader of a link's settings, parsed by its schema once per settings object: the steps
 * ask for a setting per bill line, and stored settings were validated when the link was saved.
 */
export function settingsReader<T>(schema: ZodType<T>): (link: Pick<Link, 'settings'>) => T {
  const parsed = new WeakMap<object, T>();
  return (link) => {
    let settings = parsed.get(link.settings);
    if (settings === undefined) parsed.set(link.settings, (settings = schema.parse(link.settings)));
    return settings;
  };
}
