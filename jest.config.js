/** One jest config for every workspace: tests live beside the code they test. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/chaincode/src', '<rootDir>/projections/src', '<rootDir>/ledger-service/src', '<rootDir>/scripts', '<rootDir>/bench'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' } }] },
  moduleNameMapper: {
    '^@certledger/chaincode$': '<rootDir>/chaincode/src/index.ts',
    '^@certledger/projections$': '<rootDir>/projections/src/index.ts',
    '^@certledger/ledger-service$': '<rootDir>/ledger-service/src/index.ts',
  },
  testTimeout: 30000,
  // Real services for the tests (a throwaway PostgreSQL cluster unless TEST_POSTGRES_URL is set).
  globalSetup: '<rootDir>/scripts/test-services/globalSetup.js',
  globalTeardown: '<rootDir>/scripts/test-services/globalTeardown.js',
};
