// fabric-contract-api logs every decorator at INFO when loaded; default it to warnings unless the operator says otherwise.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';
export {};
