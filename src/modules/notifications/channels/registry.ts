import type { ChannelType } from '../notification-channel.entity';
import type { ChannelField, ChannelProvider, MailChannel } from './provider';
import { webhook } from './webhook';
import { slack } from './slack';
import { email } from './email';
import { pagerduty } from './pagerduty';
import { opsgenie } from './opsgenie';
import { msteams } from './msteams';
import { discord } from './discord';
import { telegram } from './telegram';

/** Every channel type, one file each: sent by HTTP (ChannelProvider) or as email (MailChannel). A type missing here does not compile. */
export const CHANNEL_PROVIDERS: Readonly<Record<ChannelType, ChannelProvider | MailChannel>> = {
  WEBHOOK: webhook,
  SLACK: slack,
  EMAIL: email,
  PAGERDUTY: pagerduty,
  OPSGENIE: opsgenie,
  MSTEAMS: msteams,
  DISCORD: discord,
  TELEGRAM: telegram,
};

export const isMail = (p: ChannelProvider | MailChannel): p is MailChannel => 'mail' in p;

/** The fields each type must have and may have. */
export function fieldsOf(type: ChannelType): { required: ChannelField[]; optional: ChannelField[] } {
  const p = CHANNEL_PROVIDERS[type];
  return { required: p.required, optional: p.optional };
}
