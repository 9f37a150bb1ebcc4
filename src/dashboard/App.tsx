import { useCallback, useEffect, useRef, useState } from 'react';
import { MeDocument } from '../client/generated/graphql';
import { ApiError, gql } from './api';
import { session, type Me, type Session } from './session';
import { holds } from './scopes';
import { SignIn } from './pages/SignIn';
import { ApiKeys } from './pages/ApiKeys';
import { Checks } from './pages/Checks';
import { CheckDetail } from './pages/CheckDetail';
import { Alerts } from './pages/Alerts';
import { KINDS } from './kinds';
import { Notifications } from './pages/Notifications';
import { expiryText } from './format';

const useHash = () => {
  const [hash, setHash] = useState(() => window.location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(window.location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
};

export function App() {
  const [key, setKey] = useState<string | null>(() => session.get());
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const hash = useHash();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // A new page: focus its main region, so Tab goes on from the top of the page, not from a link that is gone.
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [hash]);

  const signOut = useCallback(() => {
    session.clear();
    setKey(null);
    setMe(null);
  }, []);
  const lost = useCallback(
    (message: string) => {
      signOut();
      setNotice(message);
    },
    [signOut],
  );

  useEffect(() => {
    if (!key || me) return;
    gql(key, MeDocument)
      .then((d) => (d.me.key ? setMe({ ...d.me, key: d.me.key }) : lost('This dashboard signs in with an API key')))
      .catch((e) => lost(e instanceof ApiError ? e.display : String(e)));
  }, [key, me, lost]);

  if (!key || !me)
    return (
      <SignIn
        notice={notice}
        busy={!!key && !me}
        onSignedIn={(k, m) => {
          session.set(k);
          setNotice(null);
          setKey(k);
          setMe(m);
        }}
      />
    );

  const s: Session = { key, me, lost, signOut };
  const perms = me.key.permissions;
  const route = hash.replace(/^#/, '');
  // `#/<plural>/<id>` is a check's page, `#/<plural>` its kind's list; the first kind's list is home.
  const kindRoute = /^\/([\w-]+)(?:\/([\w-]+))?$/.exec(route);
  const listed = KINDS.find((k) => route.startsWith(`/${k.plural}`));
  const checkId = listed && kindRoute?.[1] === listed.plural ? kindRoute[2] : undefined;
  const page =
    route.startsWith('/settings/api-keys') || (route === '/' && !holds(perms, `${KINDS[0].plural}:read`))
      ? 'keys'
      : route.startsWith('/alerts')
        ? 'alerts'
        : route.startsWith('/settings/notifications')
          ? 'notifications'
          : checkId
            ? 'check'
            : 'checks';
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
            Alerts
          </a>
          <a href="#/settings/api-keys" aria-current={page === 'keys' ? 'page' : undefined}>
            Settings › API Keys
          </a>
          <a href="#/settings/notifications" aria-current={page === 'notifications' ? 'page' : undefined}>
            Settings › Notifications
          </a>
        </nav>
        <div className="who" data-testid="who">
          <strong data-testid="org-name">{me.organization.name}</strong>
          <span>
            Key <span data-testid="key-name">{me.key.name}</span> · {perms.join(', ')} · {expiryText(me.key.expiresAt)}
          </span>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main ref={main} tabIndex={-1}>
        {page === 'keys' && <ApiKeys s={s} />}
        {page === 'checks' && <Checks key={kind.plural} s={s} kind={kind} />}
        {page === 'check' && <CheckDetail key={`${kind.plural}/${checkId}`} s={s} kind={kind} id={checkId!} />}
        {page === 'alerts' && <Alerts s={s} history={route.startsWith('/alerts/history')} />}
        {page === 'notifications' && <Notifications s={s} />}
      </main>
    </div>
  );
}
