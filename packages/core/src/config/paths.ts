/** Reads and writes values at dot paths (`a.b.c`) of plain nested objects. */
export function getPath(object: Record<string, unknown>, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = object;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  if (value === undefined) delete current[parts.at(-1)!];
  else current[parts.at(-1)!] = value;
}

/** Every leaf of a nested object as [dot path, value]; arrays are leaves. */
export function flatten(object: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(object).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0
      ? flatten(value as Record<string, unknown>, path)
      : [[path, value] as [string, unknown]];
  });
}
