module certledger.local/fabrictools

go 1.22

require github.com/hyperledger/fabric v1.4.0-rc1.0.20240618194258-7c3876255bf0
