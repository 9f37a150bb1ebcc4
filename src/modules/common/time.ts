/** Milliseconds in a day: key lifetimes, grace periods, `unusedForDays`, expiry warnings. */
export const DAY_MS = 86_400_000;
