// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

contract TokenProxy {
    address public implementation;
    address public admin;

    function upgradeTo(address impl) external {
        require(msg.sender == admin, "admin");
        implementation = impl;
    }

    fallback() external payable {
        address impl = implementation;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok case 0 { revert(0, returndatasize()) } default { return(0, returndatasize()) }
        }
    }
}
