/**
 * What the call decoder knows of a value's XML-RPC type that the decoded value does not say:
 * `<double>2.0</double>` and `<int>2</int>` both decode to the number 2. The countdown echo answers
 * each member as it came, so the decoder notes, per struct or array, the members and items that
 * came as whole-number doubles (a double with a fraction says what it is by itself).
 */
const wholeDoubles = new WeakMap<object, Set<string | number>>();

/** Told by the decoder: `container[key]` came as a `<double>` (or, with false, no longer does). */
export function noteWholeDouble(container: object, key: string | number, isDouble: boolean): void {
  const keys = wholeDoubles.get(container);
  if (!isDouble) keys?.delete(key);
  else if (keys === undefined) wholeDoubles.set(container, new Set([key]));
  else keys.add(key);
}

/** Whether `container[key]` is a whole number that came as a `<double>`. */
export function cameAsDouble(container: object, key: string | number): boolean {
  return wholeDoubles.get(container)?.has(key) ?? false;
}
