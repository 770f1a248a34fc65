// jsdom without Node's fetch cannot talk to the real servers the plugin integration tests start
// (influxd, and the data source's own requests): this environment is jsdom plus Node's fetch API.
const { TestEnvironment } = require('jest-environment-jsdom');

class JsdomWithFetch extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    Object.assign(this.global, { fetch, Request, Response, Headers, AbortController, AbortSignal });
  }
}

module.exports = JsdomWithFetch;
