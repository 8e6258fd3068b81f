/**
 * Conformance cases where Fizz knowingly differs from compose-go, with the reason. The same
 * list is in docs/compose-conformance.md. Keys: the case id (normalize cases: `normalize ID`).
 */
export const KNOWN_LOADER_DIFFERENCES: Record<string, string> = {
  'normalize TestNormalizeImplicitDependencies':
    "compose-go's bare Normalize() keeps an explicit depends_on entry as written; Fizz's loader always writes required: true (the canonical form the loader cases expect)",
};
