// SPDX-License-Identifier: MIT
// Crafted for tests: owner powers within coded bounds; comments and strings
// that mention mint(), selfdestruct(x), pause and blacklist must not count.
pragma solidity ^0.8.0;

import "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import "@openzeppelin/contracts/access/Ownable.sol";

contract FairDog is ERC20, Ownable {
    uint256 public fee = 2;
    uint256 public maxTxAmount;
    mapping(address => bool) public isExcludedFromFee;

    constructor() ERC20("Fair Dog", "FDOG") {
        _mint(msg.sender, 1_000_000_000 ether); // the only mint: _mint(x) in the constructor
        maxTxAmount = totalSupply() / 100;
    }

    /* setFee: we never call selfdestruct(this) or _mint(owner) here */
    function setFee(uint256 newFee) external onlyOwner {
        require(newFee <= 5, "fee above 5%: no blacklist, no pause");
        fee = newFee;
    }

    function setMaxTx(uint256 amount) external onlyOwner {
        require(amount >= totalSupply() / 1000, "max tx too low");
        maxTxAmount = amount;
    }

    function excludeFromFee(address a, bool v) external onlyOwner {
        isExcludedFromFee[a] = v;
    }
}
