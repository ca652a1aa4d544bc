import { createApp, h } from 'vue';
import { createSinyal } from '@sinyal/vue';
import { createDemoClient, fetchCatalog, userId } from '../../shared/demo';
import { linkServiceWorker } from '../../shared/push';
import '../../shared/styles.css';
import App from './App.vue';
import Login from './components/Login.vue';

async function start() {
  const catalog = await fetchCatalog();
  const me = catalog.users.find((user) => user.id === userId);
  if (!me) {
    createApp(Login, { users: catalog.users, unknownUser: userId || null }).mount('#app');
    return;
  }
  const client = createDemoClient(me.id); // created once; the app owns it
  linkServiceWorker();
  createApp(App, { me, initialCatalog: catalog }).use(createSinyal(client)).mount('#app');
}

start().catch((error: Error) => {
  createApp({
    render: () =>
      h('main', { class: 'login' }, [
        h('section', { class: 'panel' }, [
          h('h1', 'Sinyal Homes'),
          h('p', { class: 'alert error', role: 'alert' }, `Cannot reach the example server: ${error.message}`),
          h('p', { class: 'muted' }, 'Start it with npm run example:vue and reload.'),
        ]),
      ]),
  }).mount('#app');
});
