import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { constraintsInUse, PURE_CONSTRAINTS, validateInput } from '../../src/graphql/validation';
import { buildAppSchema } from '../../src/graphql/schema';
import { MonitorsArgs } from '../../src/modules/checks/kinds/monitor/monitor.types';
import { AppError } from '../../src/errors';

const args = (v: object) => Object.assign(new MonitorsArgs(), v);
const refusal = async (v: object) => {
  try {
    await validateInput(args(v));
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).details;
  }
};

describe('validation of small arguments remembers only what it accepted', () => {
  it('the same value gets the same answer every time, accepted or refused', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await refusal({ first: 50 })).toBeUndefined();
      expect(await refusal({ first: 101 })).toEqual({ fields: [{ field: 'first', message: 'must be at most 100' }] });
      expect(await refusal({ first: 50, tag: 'Not A Tag' })).toMatchObject({ fields: [{ field: 'tag' }] });
      expect(await refusal({ first: 50, tag: 'smoke' })).toBeUndefined();
    }
  });

  it('an accepted value does not let a different one through, nor one past the memo bound', async () => {
    expect(await refusal({ first: 20 })).toBeUndefined();
    expect(await refusal({ first: 0 })).toEqual({ fields: [{ field: 'first', message: 'must be at least 1' }] });
    for (let i = 1; i <= 600; i++) expect(await refusal({ first: 1 + (i % 100), tag: `t${i}` })).toBeUndefined();
    expect(await refusal({ first: 20, tag: 'x'.repeat(300) })).toMatchObject({ fields: [{ field: 'tag' }] });
  });
});

describe('the memo only trusts pure constraints', () => {
  it('every class-validator constraint the schema uses is a pure built-in, synchronous and in no group', async () => {
    await buildAppSchema();
    const used = constraintsInUse();
    expect(used).toContain('MonitorsArgs.first: max');
    expect(used.filter((c) => !PURE_CONSTRAINTS.has(c.slice(c.indexOf(': ') + 2)))).toEqual([]);
  });
});
