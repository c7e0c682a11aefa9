import { render } from 'preact';
import { resume } from './app-state.js';
import { App } from './view/app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
resume();
