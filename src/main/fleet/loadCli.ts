import { main } from './loadCommand';

/** Entry of `npm run fleet:load` (built by electron-vite into out/main/fleetLoad.js). */
void main(process.argv.slice(2));
