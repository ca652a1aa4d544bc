// The composables in a real `<script setup>` component (compiled here with vue/compiler-sfc,
// inline template): destructured refs are unwrapped in the template, actions are callable.
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import * as vue from 'vue';
import { compileScript, parse } from 'vue/compiler-sfc';
import { until } from '../../../test-utils/harness';
import * as sinyalVue from '../src';
import { cleanups, startPlatform } from '../../../test-utils/platform';

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const source = `
<script setup>
import { useChat, useProperty, useTyping } from '@sinyal/vue';
const props = defineProps({ conversationId: String, propertyId: String });
const { status, messages, send } = useChat(props.conversationId);
const { price, viewers } = useProperty(props.propertyId);
const { onInput } = useTyping(props.conversationId);
</script>
<template>
  <p class="price">{{ price }} · {{ viewers }} viewing</p>
  <p v-if="status !== 'ready'" class="status">{{ status }}</p>
  <ul v-else><li v-for="m in messages" :key="m.key">{{ m.text }}</li></ul>
  <input @input="onInput" /><button @click="send('Halo dari script setup')">Send</button>
</template>`;

/** Compiles a single-file component and evaluates it with `vue` and `@sinyal/vue` as its only imports. */
function compileSfc(code: string): vue.Component {
  const { descriptor } = parse(code, { filename: 'PropertyChat.vue' });
  const compiled = compileScript(descriptor, { id: 'property-chat', inlineTemplate: true }).content;
  const modules: Record<string, unknown> = { vue, '@sinyal/vue': sinyalVue };
  const body = compiled
    .replace(/import \{([^}]*)\} from (['"])([^'"]+)\2;?/g, (_, names: string, __, from: string) => `const {${names.replace(/ as /g, ': ')}} = modules[${JSON.stringify(from)}];`)
    .replace('export default', 'return');
  return new Function('modules', body)(modules) as vue.Component;
}

describe('@sinyal/vue with <script setup>', () => {
  it('renders live refs and calls actions from the template', async () => {
    const { platform, user } = await startPlatform();
    await platform.chat.createConversation({ id: 'c-sfc', participants: ['ann', 'bob'] });
    await platform.property.register('p-sfc', { status: 'available', price: 750_000_000 });
    const wrapper = mount(compileSfc(source), {
      props: { conversationId: 'c-sfc', propertyId: 'p-sfc' },
      global: { plugins: [sinyalVue.createSinyal(user('ann'), { releaseMs: 10 })] },
    });
    cleanups.push(() => wrapper.unmount());
    await until(() => wrapper.find('.price').text() === '750000000 · 1 viewing' && !wrapper.find('.status').exists());
    await wrapper.find('input').trigger('input');
    await wrapper.find('button').trigger('click');
    await until(() => wrapper.findAll('li').map((li) => li.text()).join() === 'Halo dari script setup');
  });
});
