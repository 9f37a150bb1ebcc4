import { useCallback, useEffect, useRef, useState } from 'react';
import { DashboardMeDocument } from '../client/generated/graphql';
import { ApiError, auth, gql, setRefusalHandler } from './api';
import type { Me, Session } from './session';
import { holds } from './scopes';
import { SignIn } from './pages/SignIn';
import { SetPassword } from './pages/SetPassword';
import { Join } from './pages/Join';
import { ApiKeys } from './pages/ApiKeys';
import { Checks } from './pages/Checks';
import { CheckDetail } from './pages/CheckDetail';
import { Alerts } from './pages/Alerts';
import { KINDS } from './kinds';
import { Notifications } from './pages/Notifications';
import { StatusPages } from './pages/StatusPages';
import { Account } from './pages/Account';
import { Members } from './pages/Members';
import { Maintenance } from './pages/Maintenance';
import { Billing } from './pages/Billing';
import { AlertChangedDocument, AlertsDocument } from '../client/generated/graphql';
import { setSessionEndedHandler, useLive, useLiveState } from './live';

/** The number of OPEN alerts (not yet acknowledged) beside the navigation's Alerts link, kept live. */
function OpenAlertCount() {
  const [count, setCount] = useState<string | null>(null);
  const load = useCallback(async () => {
    const d = await gql(AlertsDocument, { first: 100, status: 'OPEN' }).catch(() => null);
    if (d) setCount(d.alerts.nodes.length ? `${d.alerts.nodes.length}${d.alerts.pageInfo.hasNextPage ? '+' : ''}` : null);
  }, []);
  useEffect(() => void load(), [load]);
  useLive(AlertChangedDocument, undefined, load);
  if (!count) return null;
  return (
    <span className="badge alerts" data-testid="open-alert-count" aria-label={`${count} open`}>
      {count}
    </span>
  );
}

/** Says whether the page is updating itself: connected, (re)connecting, or not live (no subscription open). */
function LiveIndicator() {
  const state = useLiveState();
  if (state === 'off') return null;
  const text = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span className={`live ${state}`} data-testid="live" aria-live="polite" title={state === 'live' ? 'This page updates itself' : 'Live updates are reconnecting'}>
      {text}
    </span>
  );
}
import { SingleSignOn } from './pages/SingleSignOn';
import { EscalationPolicies } from './pages/EscalationPolicies';

const useHash = () => {
  const [hash, setHash] = useState(() => window.location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(window.location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
};

/** The single-use links that open the dashboard on a page of their own, by the path's last segment. */
const LINK_PAGES = ['reset-password', 'setup', 'accept-invite'] as const;
type LinkPage = { page: (typeof LINK_PAGES)[number]; token: string };

/** A link's page and token (/dashboard/setup?token=…), the token taken out of the address bar as soon as it is read. */
function takeLink(): LinkPage | null {
  const page = LINK_PAGES.find((p) => window.location.pathname.endsWith(`/${p}`));
  if (!page) return null;
  const token = new URLSearchParams(window.location.search).get('token');
  window.history.replaceState(null, '', `${window.location.pathname.slice(0, -page.length)}${window.location.hash}`);
  return token ? { page, token } : null;
}
// Read once when the page loads (not in a component: StrictMode runs state initialisers twice).
const LINK = takeLink();

/** Why a single sign-on came back without a session (`/dashboard/?sso_error=CODE`), in words; taken out of the address bar. */
const SSO_ERRORS: Record<string, string> = {
  NOT_FOUND: 'Single sign-on is not set up for this email’s domain: sign in with your password',
  UNAUTHORIZED: 'Single sign-on could not be completed (it expired, was already used, or the provider’s answer did not check out): try again',
  FORBIDDEN: 'Your identity provider did not confirm an email address of this organization’s domains',
  SERVICE_UNAVAILABLE: 'The identity provider could not be reached: try again later',
  RATE_LIMITED: 'Too many single sign-on attempts: wait a minute and try again',
  BAD_USER_INPUT: 'Type your email address, then choose Continue with SSO',
};
function takeSsoError(): string | null {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('sso_error');
  if (code === null) return null;
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.hash}`);
  return SSO_ERRORS[code] ?? 'Single sign-on failed: try again';
}
const SSO_ERROR = takeSsoError();

type Page = 'account' | 'members' | 'sso' | 'keys' | 'alerts' | 'notifications' | 'escalation' | 'status' | 'maintenance' | 'billing' | 'check' | 'checks';
/** Pages by the start of their route (`#/settings/members`), the first match winning; else a kind's list or check. */
const ROUTES: [string, Page][] = [
  ['/account', 'account'],
  ['/settings/members', 'members'],
  ['/settings/sso', 'sso'],
  ['/settings/api-keys', 'keys'],
  ['/alerts', 'alerts'],
  ['/settings/notifications', 'notifications'],
  ['/settings/escalation', 'escalation'],
  ['/status-pages', 'status'],
  ['/maintenance', 'maintenance'],
  ['/settings/billing', 'billing'],
];

export function App() {
  const [link, setLink] = useState(LINK);
  const [me, setMe] = useState<Me | null>(null);
  // null: not known yet (the first `me` is on its way); false: no session, the sign-in page
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  const [notice, setNotice] = useState<string | null>(SSO_ERROR);
  const hash = useHash();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // A new page: focus its main region, so Tab goes on from the top of the page, not from a link that is gone.
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [hash]);

  const lost = useCallback((message: string) => {
    setMe(null);
    setSignedIn(false);
    setNotice(message);
  }, []);
  const signOut = useCallback(() => {
    // The session ends on the server (every instance at once); the cookie is cleared by its answer.
    auth('sign-out')
      .catch(() => undefined) // an ended session is signed out already
      .finally(() => lost('Signed out'));
  }, [lost]);
  /** Reads `me`; `opening`: the page load's check, where no session is no news (the sign-in page, no notice). */
  const refresh = useCallback(
    (opening = false) => {
      gql(DashboardMeDocument, undefined, { quiet: true })
        .then((d) => {
          if (!d.me.member) return lost('The dashboard is for people: sign in with your email and password');
          setMe({ ...d.me, member: d.me.member });
          setSignedIn(true);
        })
        .catch((e) => {
          if (opening && e instanceof ApiError && e.status === 401) setSignedIn(false);
          else lost(e instanceof ApiError ? e.display : String(e));
        });
    },
    [lost],
  );
  // Two-factor became required after this page read `me`: read it again, which shows the setup only.
  const mfaSetup = useCallback(() => {
    window.location.hash = '#/account';
    refresh();
  }, [refresh]);

  useEffect(() => {
    setRefusalHandler((e) => (e.status === 401 ? lost(e.display) : mfaSetup()));
  }, [lost, mfaSetup]);
  // The live connection was closed because the session ended or was revoked: `me` answers 401, back to sign-in.
  useEffect(() => setSessionEndedHandler(() => refresh()), [refresh]);
  // The cookie is HttpOnly: whether there is a session is known by asking.
  useEffect(() => {
    if (signedIn === null) refresh(true);
  }, [signedIn, refresh]);

  if (link?.page === 'reset-password')
    return (
      <SetPassword
        token={link.token}
        onDone={(message) => {
          setLink(null);
          lost(message);
        }}
      />
    );
  if (link)
    return (
      <Join
        kind={link.page === 'setup' ? 'setup' : 'invite'}
        token={link.token}
        onDone={() => {
          // signed in by the answer's cookie: read `me` as after a sign-in
          setLink(null);
          setNotice(null);
          refresh();
        }}
      />
    );
  if (signedIn === null) return <p className="hint">Loading…</p>;
  if (!signedIn || !me)
    return (
      <SignIn
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          refresh();
        }}
      />
    );

  const s: Session = { me, perms: me.member.permissions, lost, mfaSetup, signOut, refresh };
  const perms = s.perms;
  // An organization that requires two-factor lets a member without it do nothing else: the account page only.
  const mfaFirst = me.organization.requireMfa && !me.member.mfaEnabled;
  const route = hash.replace(/^#/, '');
  // `#/<plural>/<id>` is a check's page, `#/<plural>` its kind's list; the first kind's list is home.
  const kindRoute = /^\/([\w-]+)(?:\/([\w-]+))?$/.exec(route);
  const listed = KINDS.find((k) => route.startsWith(`/${k.plural}`));
  const checkId = listed && kindRoute?.[1] === listed.plural ? kindRoute[2] : undefined;
  const page: Page = mfaFirst
    ? 'account'
    : (ROUTES.find(([prefix]) => route.startsWith(prefix))?.[1] ??
      (route === '/' && !holds(perms, `${KINDS[0].scopes ?? KINDS[0].plural}:read`) ? 'keys' : checkId ? 'check' : 'checks'));
  const kind = listed ?? KINDS[0];

  return (
    <div className="shell">
      <header className="top">
        <a className="brand" href="#/">
          tracer
        </a>
        <nav aria-label="Main">
          {KINDS.map((k) => (
            <a key={k.plural} href={`#/${k.plural}`} aria-current={(page === 'checks' || page === 'check') && kind === k ? 'page' : undefined}>
              {k.title}
            </a>
          ))}
          <a href="#/alerts" aria-current={page === 'alerts' ? 'page' : undefined}>
            Alerts{holds(perms, 'alerts:read') && !mfaFirst && <OpenAlertCount />}
          </a>
          <a href="#/maintenance" aria-current={page === 'maintenance' ? 'page' : undefined}>
            Maintenance
          </a>
          {holds(perms, 'status_pages:read') && (
            <a href="#/status-pages" aria-current={page === 'status' ? 'page' : undefined}>
              Status pages
            </a>
          )}
          <a href="#/settings/api-keys" aria-current={page === 'keys' ? 'page' : undefined}>
            Settings › API Keys
          </a>
          <a href="#/settings/notifications" aria-current={page === 'notifications' ? 'page' : undefined}>
            Settings › Notifications
          </a>
          <a href="#/settings/escalation" aria-current={page === 'escalation' ? 'page' : undefined}>
            Settings › Escalation
          </a>
          <a href="#/settings/members" aria-current={page === 'members' ? 'page' : undefined}>
            Settings › Members
          </a>
          <a href="#/settings/billing" aria-current={page === 'billing' ? 'page' : undefined}>
            Settings › Billing
          </a>
          <a href="#/settings/sso" aria-current={page === 'sso' ? 'page' : undefined}>
            Settings › Single sign-on
          </a>
        </nav>
        <LiveIndicator />
        <div className="who" data-testid="who">
          <strong data-testid="org-name">{me.organization.name}</strong>
          <span>
            <span data-testid="member-email">{me.member.email}</span>{' '}
            · <span data-testid="member-role">{me.member.role}</span> ·{' '}
            <a href="#/account" aria-current={page === 'account' ? 'page' : undefined}>
              Account
            </a>
          </span>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main ref={main} tabIndex={-1}>
        {page === 'account' && <Account s={s} mfaFirst={mfaFirst} />}
        {page === 'members' && <Members s={s} />}
        {page === 'sso' && <SingleSignOn s={s} />}
        {page === 'keys' && <ApiKeys s={s} />}
        {page === 'checks' && <Checks key={kind.plural} s={s} kind={kind} />}
        {page === 'check' && <CheckDetail key={`${kind.plural}/${checkId}`} s={s} kind={kind} id={checkId!} />}
        {page === 'alerts' && <Alerts s={s} history={route.startsWith('/alerts/history')} />}
        {page === 'notifications' && <Notifications s={s} />}
        {page === 'maintenance' && <Maintenance s={s} />}
        {page === 'billing' && <Billing s={s} />}
        {page === 'escalation' && <EscalationPolicies s={s} />}
        {page === 'status' && <StatusPages s={s} />}
      </main>
    </div>
  );
}
