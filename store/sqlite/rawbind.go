package sqlite

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"runtime"
	"unsafe"

	"modernc.org/libc"
	sqlite3lib "modernc.org/sqlite/lib"
)

// The canonical writer's one-row upserts bind and step through SQLite's
// API directly, on the statement the driver prepared, instead of through
// the driver's ExecContext: per row, that looks every parameter's name up,
// copies every text argument into a C allocation and frees it after the
// step, and allocates a result; for a clean it was about a sixth of the
// writer's time, and the writer is a clean's critical path on SQLite.
//
// modernc.org/sqlite exports no handle to a connection or a statement:
// rawStmtOf reads them from the driver's connection and statement (fields
// tls, db and pstmt, checked by type), on the connection database/sql
// hands to Conn.Raw, so no other call uses it meanwhile. When they are not
// there (a driver version that renamed them), it reports false and the
// writer goes through ExecContext, as TestRawBinding notices.

// rawStmt is a prepared statement and its connection's SQLite handles.
type rawStmt struct {
	tls  *libc.TLS
	db   uintptr // sqlite3*
	stmt uintptr // sqlite3_stmt*
}

var tlsType = reflect.TypeFor[*libc.TLS]()

// rawStmtOf returns the SQLite handles of a modernc.org/sqlite connection
// and a statement it prepared.
func rawStmtOf(conn any, st driver.Stmt) (rawStmt, bool) {
	if !rawBinding {
		return rawStmt{}, false
	}
	c, s := structOf(conn), structOf(st)
	if !c.IsValid() || !s.IsValid() {
		return rawStmt{}, false
	}
	tls, db, pstmt := c.FieldByName("tls"), c.FieldByName("db"), s.FieldByName("pstmt")
	if !tls.IsValid() || tls.Type() != tlsType || tls.IsNil() ||
		!db.IsValid() || db.Kind() != reflect.Uintptr || db.Uint() == 0 ||
		!pstmt.IsValid() || pstmt.Kind() != reflect.Uintptr || pstmt.Uint() == 0 {
		return rawStmt{}, false
	}
	return rawStmt{tls: (*libc.TLS)(tls.UnsafePointer()), db: uintptr(db.Uint()), stmt: uintptr(pstmt.Uint())}, true
}

// rawBinding can be turned off (tests compare both paths).
var rawBinding = true

func structOf(p any) reflect.Value {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem()
}

// rawArgs binds a row's values to a rawStmt (a binder) and runs it.
//
// Text is bound without a copy (SQLITE_STATIC) from the Go strings
// themselves: SQLite reads bound values only while the statement steps,
// and keep holds every string bound for the row until the step returns.
// The Go heap does not move objects, so the addresses stay valid; after
// the step each parameter is bound again before the next one.
type rawArgs struct {
	stmt rawStmt
	i    int32
	keep []string
	err  error // the first failed bind of the row
}

// emptyText is the address bound for "": a NULL pointer would bind NULL.
var emptyText = [1]byte{}

func (b *rawArgs) check(rc int32) {
	if rc != sqlite3lib.SQLITE_OK && b.err == nil {
		b.err = b.stmt.error(rc)
	}
}

func (b *rawArgs) text(s string) {
	b.i++
	p := uintptr(unsafe.Pointer(&emptyText[0]))
	if len(s) > 0 {
		p = uintptr(unsafe.Pointer(unsafe.StringData(s)))
	}
	b.keep = append(b.keep, s)
	b.check(sqlite3lib.Xsqlite3_bind_text(b.stmt.tls, b.stmt.stmt, b.i, p, int32(len(s)), sqlite3lib.SQLITE_STATIC))
}

func (b *rawArgs) int64(n int64) {
	b.i++
	b.check(sqlite3lib.Xsqlite3_bind_int64(b.stmt.tls, b.stmt.stmt, b.i, n))
}

func (b *rawArgs) float64(f float64) {
	b.i++
	b.check(sqlite3lib.Xsqlite3_bind_double(b.stmt.tls, b.stmt.stmt, b.i, f))
}

func (b *rawArgs) null() {
	b.i++
	b.check(sqlite3lib.Xsqlite3_bind_null(b.stmt.tls, b.stmt.stmt, b.i))
}

// exec steps the statement with the row bound and resets it.
func (b *rawArgs) exec() error {
	if b.err != nil {
		return b.err
	}
	if n := sqlite3lib.Xsqlite3_bind_parameter_count(b.stmt.tls, b.stmt.stmt); n != b.i {
		return fmt.Errorf("bound %d values for %d parameters", b.i, n)
	}
	rc := sqlite3lib.Xsqlite3_step(b.stmt.tls, b.stmt.stmt)
	var err error
	if rc != sqlite3lib.SQLITE_DONE {
		err = b.stmt.error(rc)
	}
	sqlite3lib.Xsqlite3_reset(b.stmt.tls, b.stmt.stmt)
	runtime.KeepAlive(b.keep)
	return err
}

// release forgets the row's strings (the next row binds anew).
func (b *rawArgs) release() {
	clear(b.keep)
	b.i, b.keep, b.err = 0, b.keep[:0], nil
}

// rawError is a failed SQLite call: its extended result code and message.
type rawError struct {
	code int
	msg  string
}

func (e *rawError) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

func (s rawStmt) error(rc int32) error {
	code := sqlite3lib.Xsqlite3_extended_errcode(s.tls, s.db)
	if code&0xff != rc&0xff {
		code = rc // the handle's last error is another call's
	}
	return &rawError{code: int(code), msg: libc.GoString(sqlite3lib.Xsqlite3_errmsg(s.tls, s.db))}
}
