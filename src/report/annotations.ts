/**
 * GitHub shows at most 10 annotations of each kind (error, warning, notice) per step and drops the
 * rest without a word, so a long list is cut short with one annotation that says how many more.
 */
export const ANNOTATIONS_PER_KIND = 10

export interface Annotation {
  readonly level: 'error' | 'notice'
  readonly title: string
  readonly message: string
}

/**
 * At most `slots` items: all of them when they fit, otherwise the first `slots - 1` and one made
 * by `more(hidden)` that counts the rest.
 */
export function capAnnotations<T>(
  items: readonly T[],
  slots: number,
  more: (hidden: number) => T
): T[] {
  if (items.length <= slots) return [...items]
  const shown = items.slice(0, Math.max(0, slots - 1))
  return [...shown, more(items.length - shown.length)]
}
