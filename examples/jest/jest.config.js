// A small Jest suite for Proctor's adapter tests; plain CommonJS, no transform.
module.exports = {
  testEnvironment: 'node',
  transform: {},
};
