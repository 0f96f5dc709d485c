/**
 * Ranks items by how well their name and description match a query: the whole query as the name
 * beats a name that starts with it, which beats a name that contains it; then each word of the
 * query counts more in the name than in the description, and more at a word start. Names are what
 * people and models type, so they weigh most; descriptions catch the synonym the name lacks.
 */
export interface Searchable {
  name: string;
  title?: string | null | undefined;
  description?: string | null | undefined;
}

export interface Ranked<T> {
  item: T;
  score: number;
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

export function scoreMatch(item: Searchable, query: string): number {
  const needle = query.trim().toLowerCase();
  if (!needle) return 0;
  const name = item.name.toLowerCase();
  const text = `${item.title ?? ''} ${item.description ?? ''}`.toLowerCase();
  let score = name === needle ? 100 : name.startsWith(needle) ? 60 : name.includes(needle) ? 40 : 0;
  const nameWords = words(name);
  const textWords = words(text);
  for (const term of words(needle)) {
    if (nameWords.includes(term)) score += 20;
    else if (nameWords.some((word) => word.startsWith(term))) score += 12;
    else if (name.includes(term)) score += 8;
    if (textWords.includes(term)) score += 6;
    else if (textWords.some((word) => word.startsWith(term))) score += 4;
    else if (text.includes(term)) score += 2;
  }
  return score;
}

/** The items that match at all, best first (ties by name). */
export function rankByQuery<T extends Searchable>(items: readonly T[], query: string): Array<T & {score: number}> {
  return items
    .map((item) => ({...item, score: scoreMatch(item, query)}))
    .filter((ranked) => ranked.score > 0)
    .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
