/** Unit specs live beside the code; integration and end-to-end suites in test/ run against a real Redis. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { decoratorMetadata: true, legacyDecorator: true }, target: 'es2022' } }] };
module.exports = {
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
  projects: [
    { displayName: 'unit', testEnvironment: 'node', roots: ['<rootDir>/src'], testMatch: ['**/*.spec.ts'], transform },
    {
      displayName: 'integration', roots: ['<rootDir>/test'], testMatch: ['**/*.test.ts'], transform,
      // Node's environment, plus closing whatever a file's tests left running (test/helpers/cleanup.ts).
      testEnvironment: '<rootDir>/test/helpers/environment.js',
      setupFilesAfterEnv: ['<rootDir>/test/helpers/setup-integration.ts'],
      // The teardown also fails the run when a test left a process behind (test/helpers/leaks.ts).
      globalSetup: '<rootDir>/test/helpers/global-setup.ts', globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
  ],
};
