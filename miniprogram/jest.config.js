// Two projects: fast tests with a fake backend, and flows against a real `xiaodian demo`
// server that globalSetup starts (and globalTeardown stops) once for the whole run.
const common = {
  testEnvironment: '<rootDir>/tests/env/jsdom-with-fetch.js',
  setupFilesAfterEnv: ['<rootDir>/tests/helpers/setup.js'],
  snapshotSerializers: ['miniprogram-simulate/jest-snapshot-plugin'],
}

module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/tests/{unit,components,pages}/**/*.test.js'],
    },
    {
      ...common,
      displayName: 'flows',
      testMatch: ['<rootDir>/tests/flows/**/*.test.js'],
      globalSetup: '<rootDir>/tests/flows/server/global-setup.js',
      globalTeardown: '<rootDir>/tests/flows/server/global-teardown.js',
    },
  ],
}
