/** Fills `{name}` placeholders in a spec URL template from a map of base URLs. */
export function resolveUrl(template: string, urls: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = urls[name];
    if (value === undefined) throw new RangeError(`no URL named '${name}' for template ${template}`);
    return value.replace(/\/+$/, '');
  });
}
