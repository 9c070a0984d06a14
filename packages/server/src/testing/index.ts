// Test support for suites of other packages (`@spark/server/testing`): not part of the server API.
export { WsTestClient, endsTurn, responseOf, outputText } from './ws-test-client.js';
export type { Frame } from './ws-test-client.js';
export { startTestServer, testScript, steps, waitFor, TEST_CONTEXT_SIZE, TEST_MODEL } from './test-server.js';
export type { TestServer } from './test-server.js';
export { selfSignedCert } from './self-signed-cert.js';
export type { SelfSignedCert } from './self-signed-cert.js';
