package server_test

import "memepipe/store"

func storeFilterAll() store.RunFilter { return store.RunFilter{} }
