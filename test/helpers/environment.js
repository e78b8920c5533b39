/**
 * The integration suites' environment: Node's, plus the cleanups the helpers registered
 * (test/helpers/cleanup.ts), run after every hook of the file so nothing a failed or timed-out
 * test started outlives it.
 */
const { TestEnvironment } = require('jest-environment-node');

module.exports = class IntegrationEnvironment extends TestEnvironment {
  async teardown() {
    const fileEnd = this.global.__gwanjeFileEnd;
    if (typeof fileEnd === 'function') await fileEnd();
    await super.teardown();
  }
};
