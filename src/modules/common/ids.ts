import { randomBase62 } from './base62';

/** Prefixed, unguessable ids (docs/explanation/architecture.md): `mon_…`, `run_…`. 16 base62 characters ≈ 95 bits. */
export const newId = (prefix: 'org' | 'mon' | 'jrn' | 'run' | 'alr' | 'mem' | 'aud' | 'nch' | 'ndl' | 'mnt' | 'cks' | 'ses' | 'pwt' | 'mfa' | 'mrc' | 'inv' | 'sso' | 'ssa' | 'esc' | 'ess' | 'ale' | 'tcp' | 'dns') => `${prefix}_${randomBase62(16)}`;
