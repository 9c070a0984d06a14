import { render } from 'preact';
import { App } from './components/app.js';
import { AppController, hostUrl } from './connection/app-controller.js';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) {
  const app = new AppController(hostUrl(location));
  app.start();
  render(<App app={app} />, root);
}
