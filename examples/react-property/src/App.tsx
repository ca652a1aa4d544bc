import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useActivityTracker, useChatList, useSinyal } from '@sinyal/react';
import { activityOptions, fetchCatalog, initials, parseRoute, searchWithout, signInHref, tabRole, tabRoleLabel, type DemoCatalog, type DemoUser } from '../../shared/demo';
import { ConnectionBanner } from './ConnectionBanner';
import { Icon } from './Icon';
import { Inbox } from './Inbox';
import { Listing } from './Listing';
import { NotificationBell } from './NotificationBell';
import { PropertyPage } from './PropertyPage';

const subscribeHash = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

const noRole = { subscribe: () => () => {}, getSnapshot: () => undefined };

/** With `?tabs=shared`: whether this tab holds the connection all the tabs share. */
function TabRole() {
  const client = useSinyal();
  const role = useMemo(() => tabRole(client) ?? noRole, [client]);
  const value = useSyncExternalStore(role.subscribe, role.getSnapshot);
  if (!value) return null;
  return <span className="tab-role" data-testid="tab-role" data-role={value}>{tabRoleLabel(value)}</span>;
}

export function App({ me, initialCatalog }: { me: DemoUser; initialCatalog: DemoCatalog }) {
  const hash = useSyncExternalStore(subscribeHash, () => location.hash);
  const route = parseRoute(hash);
  // This tab reports itself idle or active: the people chatting with me see "Away" once all my tabs are idle.
  useActivityTracker(activityOptions);
  const [catalog, setCatalog] = useState(initialCatalog);
  // The demo auction is replaced by a new one when it ends: reload the listings then.
  const refreshCatalog = useCallback(() => void fetchCatalog().then(setCatalog, () => {}), []);
  const names = Object.fromEntries(catalog.users.map((user) => [user.id, user.name]));
  const search = location.search;
  const client = useSinyal();
  // Leaving for the sign-in page signs out: with `?tabs=shared`, every tab of this user.
  const signOut = () => client.close();
  useEffect(() => {
    if (route.name === 'list') document.title = 'Homes for sale · Sinyal Homes';
    if (route.name === 'inbox') document.title = 'Inbox · Sinyal Homes';
  }, [route.name]);
  useEffect(() => {
    window.scrollTo(0, 0); // (returns a promise in new Chromium: keep the braces)
  }, [hash]);

  return (
    <>
      <header className={`topbar ${me.role}`}>
        <a className="brand" href={`${search}#/`} aria-label="Sinyal Homes, all listings"><span className="mark"><Icon name="logo" /></span><span>Sinyal Homes</span></a>
        {me.role === 'agent' && <AgentNav current={route.name === 'inbox'} />}
        <span className="spacer" />
        <TabRole />
        <NotificationBell me={me} />
        <a className="me" data-testid="me" href={signInHref()} title="Switch to another person" onClick={signOut}>
          <span className="avatar" aria-hidden="true">{initials(me.name)}</span>
          <span className="name">{me.name}</span>
          <span className="role">{me.role === 'agent' ? 'Agent' : 'Buyer'}</span>
          <span className="sr-only">{`Signed in as ${me.name}: switch person`}</span>
        </a>
      </header>
      <ConnectionBanner />
      <main>
        {route.name === 'list' && <Listing me={me} properties={catalog.properties} />}
        {route.name === 'property' && (() => {
          const property = catalog.properties.find((p) => p.id === route.id);
          return property ? (
            <PropertyPage key={property.id} me={me} property={property} names={names} refreshCatalog={refreshCatalog} />
          ) : (
            <p className="placeholder">This listing does not exist (any more). <a href={`${search}#/`}>See all listings</a></p>
          );
        })()}
        {route.name === 'inbox' && <Inbox me={me} selected={route.id} names={names} />}
      </main>
    </>
  );
}

function AgentNav({ current }: { current: boolean }) {
  const { totalUnread } = useChatList();
  return (
    <nav aria-label="Agent">
      <a href={`${location.search}#/inbox`} aria-current={current ? 'page' : undefined}>
        <Icon name="inbox" /> Inbox {totalUnread > 0 && <span className="badge" aria-label={`${totalUnread} unread`}>{totalUnread}</span>}
      </a>
    </nav>
  );
}

/** The demo's sign-in: pick a person (and hear about it when `?user=` names nobody). */
export function Login({ users, unknownUser }: { users: DemoUser[]; unknownUser: string | null }) {
  useEffect(() => void (document.title = 'Sign in · Sinyal Homes'), []);
  const extra = searchWithout('user');
  return (
    <main className="login">
      <section className="panel">
        <p className="brand"><span className="mark"><Icon name="logo" /></span><span>Sinyal Homes</span></p>
        <h1>Sign in</h1>
        {unknownUser !== null && (
          <p className="alert error" role="alert" data-testid="login-error">
            <Icon name="alert" /> <span>There is no demo user “{unknownUser}”. Pick one of the people below.</span>
          </p>
        )}
        <p>Pick a person. Open a second window as someone else to see both sides live.</p>
        <ul className="people">
          {users.map((user) => (
            <li key={user.id}>
              <a href={`?user=${encodeURIComponent(user.id)}${extra}`}>
                <span className="avatar big" aria-hidden="true">{initials(user.name)}</span>
                <span>
                  <b>{user.name}</b>
                  <small>{user.role === 'agent' ? 'Listing agent: answers buyers in the inbox' : 'Buyer: chats with the agent and bids in the auction'}</small>
                </span>
              </a>
            </li>
          ))}
        </ul>
        <p className="footnote">Demo sign-in: the example server hands out tokens without a password. Never ship that.</p>
      </section>
    </main>
  );
}
