/**
 * Conformance cases where Fizz knowingly differs from compose-go, with the reason. The same
 * list is in docs/compose-conformance.md. Keys: the case id (normalize cases: `normalize ID`).
 */
export const KNOWN_LOADER_DIFFERENCES: Record<string, string> = {};
