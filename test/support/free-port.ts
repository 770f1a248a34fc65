/** Free loopback ports for test servers (shared with the demo, which starts servers too). */
export { freePort, freePorts } from '../../otel-processor/src/net/free-port';
