import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SinyalProvider } from '@sinyal/react';
import { createDemoClient, fetchCatalog, userId } from '../../shared/demo';
import { linkServiceWorker } from '../../shared/push';
import '../../shared/styles.css';
import { App, Login } from './App';

const root = createRoot(document.getElementById('root')!);

async function start() {
  const catalog = await fetchCatalog();
  const me = catalog.users.find((user) => user.id === userId);
  if (!me) {
    root.render(<Login users={catalog.users} unknownUser={userId || null} />);
    return;
  }
  const client = createDemoClient(me.id); // created once, outside components; the app owns it
  linkServiceWorker();
  root.render(
    <StrictMode>
      <SinyalProvider client={client}>
        <App me={me} initialCatalog={catalog} />
      </SinyalProvider>
    </StrictMode>,
  );
}

start().catch((error: Error) => {
  root.render(
    <main className="login">
      <section className="panel">
        <h1>Sinyal Homes</h1>
        <p className="alert error" role="alert">Cannot reach the example server: {error.message}</p>
        <p className="muted">Start it with <code>npm run example</code> and reload.</p>
      </section>
    </main>,
  );
});
