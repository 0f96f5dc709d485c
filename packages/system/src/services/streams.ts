/** The items of `source`, each passed through `map`, as they come. */
export async function* mapStream<T, R>(source: AsyncIterable<T>, map: (item: T) => R): AsyncIterable<R> {
  for await (const item of source) yield map(item);
}
