/**
 * How many items a list field of the schema can answer, for the cost of a document (authorization/list-sizes.ts
 * says how each is counted):
 *
 * - `{ page: true }`: a page whose size an argument gives (`first`, `limit`);
 * - `{ max }`: at most this many, the limit the input rules put on what is stored; `estimate: true` where nothing
 *   bounds it and the number is a generous estimate;
 * - `{ series: true }`: a statistics series, window ÷ interval buckets.
 *
 * Here, apart from the table, so that a check kind can state the sizes of its own types' lists.
 */
export type ListSize = { page: true } | { max: number; estimate?: true } | { series: true };
