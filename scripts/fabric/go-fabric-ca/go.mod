module certledger.local/fabriccatools

go 1.22

require github.com/hyperledger/fabric-ca v1.5.21
