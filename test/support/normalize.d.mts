/** Types for normalize.mjs (canonical export form and field-level diff). */
export function normalizeExport(records: readonly unknown[], options?: { forCompare?: boolean }): Array<Record<string, any>>;
export function diffExports(expected: readonly Record<string, any>[], actual: readonly Record<string, any>[], limit?: number): string[];
