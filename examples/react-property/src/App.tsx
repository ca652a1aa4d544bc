import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { fetchCatalog, parseRoute, type DemoCatalog, type DemoUser } from '../../shared/demo';
import { ConnectionBanner } from './ConnectionBanner';
import { Inbox } from './Inbox';
import { Listing } from './Listing';
import { NotificationBell } from './NotificationBell';
import { PropertyPage } from './PropertyPage';

const subscribeHash = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function App({ me, initialCatalog }: { me: DemoUser; initialCatalog: DemoCatalog }) {
  const hash = useSyncExternalStore(subscribeHash, () => location.hash);
  const route = parseRoute(hash);
  const [catalog, setCatalog] = useState(initialCatalog);
  // The demo auction is replaced by a new one when it ends: reload the listings then.
  const refreshCatalog = useCallback(() => void fetchCatalog().then(setCatalog, () => {}), []);
  const names = Object.fromEntries(catalog.users.map((user) => [user.id, user.name]));
  const search = location.search;

  return (
    <>
      <header className="topbar">
        <a className="brand" href={`${search}#/`}>Sinyal Homes</a>
        {me.role === 'agent' && <a href={`${search}#/inbox`}>Inbox</a>}
        <span className="spacer" />
        <NotificationBell />
        <span className="me" data-testid="me">{me.name} · {me.role}</span>
      </header>
      <ConnectionBanner />
      <main>
        {route.name === 'list' && <Listing properties={catalog.properties} />}
        {route.name === 'property' && (() => {
          const property = catalog.properties.find((p) => p.id === route.id);
          return property ? (
            <PropertyPage key={property.id} me={me} property={property} names={names} refreshCatalog={refreshCatalog} />
          ) : (
            <p>Unknown listing.</p>
          );
        })()}
        {route.name === 'inbox' && <Inbox me={me} selected={route.id} names={names} />}
      </main>
    </>
  );
}

export function Login({ users }: { users: DemoUser[] }) {
  useEffect(() => void (document.title = 'Sign in · Sinyal example'), []);
  return (
    <main className="login panel">
      <h1>Sinyal example</h1>
      <p>Pick a demo user. Open a second window as someone else to see both sides live.</p>
      <ul>
        {users.map((user) => (
          <li key={user.id}>
            <a href={`?user=${user.id}${location.search.includes('server=') ? `&${location.search.slice(1)}` : ''}`}>{user.name}</a>{' '}
            <span className="muted">({user.role}, ?user={user.id})</span>
          </li>
        ))}
      </ul>
      <p className="muted">Demo logins: the example server hands out tokens without a password. Never ship that.</p>
    </main>
  );
}
