import { Field, ObjectType } from 'type-graphql';
import { challengeName, challengeRecord } from './domain-proof';

/** What a claim of a domain stores about its proof (SSO domains and status pages' custom domains alike). */
export interface DomainClaim {
  domain: string;
  token: string;
  verifiedAt: Date | null;
  checkedAt: Date | null;
  missingSince: Date | null;
}

/**
 * The fields of a domain's proof every claiming feature answers (`SsoDomain`, `CustomDomainVerification`): the
 * domain, the TXT record to publish and where, and the daily re-check's dates. Each feature's type adds its `status`
 * (whose description says what a VERIFIED domain does there) and its own scope.
 */
// Not a type of the schema: type-graphql copies an object type's fields into the classes extending it, and no field
// returns this one, so it is never printed.
@ObjectType('DomainProofFields')
export abstract class DomainProofView {
  @Field({ description: 'Lower-case: `example.com`.' }) domain!: string;
  @Field({ description: 'The TXT record value to publish at `verificationName`: `tracer-domain-verification=<token>`.' }) verificationRecord!: string;
  @Field({ description: 'Where to publish it: `_tracer-challenge.<domain>`.' }) verificationName!: string;
  @Field(() => Date, { nullable: true }) verifiedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'The last daily re-check of a VERIFIED domain.' }) checkedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Since when the re-check has not found the record (7 days of it: back to PENDING).' }) missingSince!: Date | null;

  /** Fills the shared fields of `view` from a claim. */
  static fill<V extends DomainProofView>(view: V, c: DomainClaim): V {
    view.domain = c.domain;
    view.verificationRecord = challengeRecord(c.token);
    view.verificationName = challengeName(c.domain);
    view.verifiedAt = c.verifiedAt;
    view.checkedAt = c.checkedAt;
    view.missingSince = c.missingSince;
    return view;
  }
}
