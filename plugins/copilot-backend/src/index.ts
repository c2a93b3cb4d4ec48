export { copilotPlugin as default } from './plugin';
