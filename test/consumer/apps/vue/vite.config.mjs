// As docs/getting-started-vue.md § 5 says: @vitejs/plugin-vue.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({ plugins: [vue()] });
