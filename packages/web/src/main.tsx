import { render } from 'preact';
import { HOST_PATH } from '@spark/host/wire';

function App() {
  return <main>Spark app: host at {HOST_PATH}</main>;
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
