/**
 * Item i of a list a test built or received. When the list is shorter than
 * the test expects, the test fails here and says so, rather than later on a
 * property of undefined.
 */
export function itemAt<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`expected an item at index ${i}, but the list has ${items.length}`);
  return item;
}

/** The value under `key`, failing the test (naming the key) when there is none. */
export function entryOf<T>(record: Readonly<Record<string, T>>, key: string): T {
  const value = record[key];
  if (value === undefined) throw new Error(`expected an entry '${key}', but there is none`);
  return value;
}
