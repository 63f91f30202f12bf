module certledger/bench/loadgen

go 1.22
