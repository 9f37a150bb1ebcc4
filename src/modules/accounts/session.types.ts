import { Field, ID, ObjectType } from 'type-graphql';
import type { Session } from './session.entity';

@ObjectType('Session', { description: 'A sign-in of the calling member (browser or other client holding the session cookie).' })
export class SessionView {
  @Field(() => ID) id!: string;
  @Field() createdAt!: Date;
  @Field({ description: 'Written at most once a minute.' }) lastSeenAt!: Date;
  @Field({ description: 'The absolute end (SESSION_MAX_DAYS after sign-in); it ends sooner when idle for SESSION_IDLE_MINUTES.' }) expiresAt!: Date;
  @Field(() => String, { nullable: true, description: 'The client address at sign-in.' }) ip!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field({ description: 'The session this request came with.' }) current!: boolean;

  static from(s: Session, currentId: string | undefined): SessionView {
    return Object.assign(new SessionView(), {
      id: s.id,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      ip: s.ip,
      userAgent: s.userAgent,
      current: s.id === currentId,
    });
  }
}
