package sim

import (
	"encoding/hex"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"

	"memepipe/evm"
)

// chainState is a token's on-chain state at an hour boundary.
type chainState struct {
	launched   bool
	rTok       *big.Int // pair reserve of the token
	rWeth      *big.Int // pair reserve of WETH
	lpSupply   *big.Int
	creatorLP  *big.Int
	creatorTok *big.Int
	holders    int
	// mood is the token's hype regime, an AR(1) walk that scales the
	// buyer arrival rate: the source of trends in an otherwise
	// mean-reverting flow.
	mood float64
}

func newState() chainState {
	return chainState{rTok: new(big.Int), rWeth: new(big.Int), lpSupply: new(big.Int), creatorLP: new(big.Int), creatorTok: new(big.Int)}
}

func (c chainState) clone() chainState {
	return chainState{
		launched:   c.launched,
		rTok:       new(big.Int).Set(c.rTok),
		rWeth:      new(big.Int).Set(c.rWeth),
		lpSupply:   new(big.Int).Set(c.lpSupply),
		creatorLP:  new(big.Int).Set(c.creatorLP),
		creatorTok: new(big.Int).Set(c.creatorTok),
		holders:    c.holders,
		mood:       c.mood,
	}
}

// price is WETH per whole token.
func (c *chainState) price(t *token) float64 {
	if c.rTok.Sign() == 0 {
		return 0
	}
	return fromUnits(c.rWeth, 18) / fromUnits(c.rTok, t.Decimals)
}

// hourBar summarises one token-hour of trading, prices in WETH per token.
type hourBar struct {
	launched               bool
	open, high, low, close float64
	volWETH                float64
	buys, sells            int
}

type skeleton struct {
	states []chainState // at the start of each hour (len hours+1)
	bars   []hourBar
	queued [][]intent // sells and gifts scheduled into each hour
}

type ikind uint8

const (
	iCreate ikind = iota
	iTeam
	iAddLiq
	iRenounce
	iBurnLP
	iBuy
	iSell
	iTransfer
	iRemoveLiq
	iAdmin
)

type role uint8

const (
	roleOrganic role = iota
	roleFOMO
	rolePump
	roleWash
	roleDevDump
	roleOwner
	roleWhale
)

// intent is an action planned for an hour, executed in (sec, seq) order.
type intent struct {
	sec      int
	seq      int
	kind     ikind
	role     role
	from, to string
	weth     float64
	amt      *big.Int
	share    float64
	full     bool // the wallet sells or gives away all it holds
	schedule bool // an organic buy that opens a position
	ev       *event
	j        int
	admin    *adminCall
}

// chainTx is one transaction of a token-hour with the logs it emitted.
type chainTx struct {
	hash      string
	block     uint64
	ts        int64
	index     int
	nonce     uint64
	from, to  string
	created   string // contract created by the transaction
	value     *big.Int
	methodID  string
	fn        string
	input     string
	gas       uint64
	gasUsed   uint64
	gasPrice  uint64
	cumGas    uint64
	transfers []tokTransfer // transfers of the token itself (tokentx rows)
	logs      []evLog

	swap     bool
	buy      bool
	wethAmt  float64
	priceAft float64
	sec      int
}

type tokTransfer struct {
	from, to string
	value    *big.Int
}

type evLog struct {
	address  string
	topics   []string
	data     string
	logIndex int
}

func methodID(sig string) string {
	h := evm.Keccak256([]byte(sig))
	return "0x" + hex.EncodeToString(h[:4])
}

type method struct{ id, display string }

var (
	mTransfer   = method{methodID("transfer(address,uint256)"), "transfer(address to, uint256 amount)"}
	mBuy        = method{methodID("swapExactETHForTokens(uint256,address[],address,uint256)"), "swapExactETHForTokens(uint256 amountOutMin, address[] path, address to, uint256 deadline)"}
	mSell       = method{methodID("swapExactTokensForETHSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)"), "swapExactTokensForETHSupportingFeeOnTransferTokens(uint256 amountIn, uint256 amountOutMin, address[] path, address to, uint256 deadline)"}
	mAddLiq     = method{methodID("addLiquidityETH(address,uint256,uint256,uint256,address,uint256)"), "addLiquidityETH(address token, uint256 amountTokenDesired, uint256 amountTokenMin, uint256 amountETHMin, address to, uint256 deadline)"}
	mRemoveLiq  = method{methodID("removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)"), "removeLiquidityETH(address token, uint256 liquidity, uint256 amountTokenMin, uint256 amountETHMin, address to, uint256 deadline)"}
	mRenounce   = method{methodID("renounceOwnership()"), "renounceOwnership()"}
	mCreateCode = "0x60806040"
)

func (m *market) skel(t *token) *skeleton {
	t.once.Do(func() { t.sk = m.buildSkeleton(t) })
	return t.sk
}

// buildSkeleton runs the token's whole life once at the summary level,
// keeping the state at each hour boundary and the sells scheduled into
// later hours.
func (m *market) buildSkeleton(t *token) *skeleton {
	sk := &skeleton{
		states: make([]chainState, m.hours+1),
		bars:   make([]hourBar, m.hours),
		queued: make([][]intent, m.hours),
	}
	st := newState()
	for h := 0; h < m.hours; h++ {
		sk.states[h] = st.clone()
		res := m.runHour(t, h, &st, sk, true, false)
		sk.bars[h] = res.bar
	}
	sk.states[m.hours] = st.clone()
	return sk
}

type hourResult struct {
	bar hourBar
	txs []*chainTx
}

func poisson(r *rand.Rand, lam float64) int {
	if lam <= 0 {
		return 0
	}
	if lam > 30 {
		n := int(math.Round(lam + math.Sqrt(lam)*r.NormFloat64()))
		if n < 0 {
			n = 0
		}
		return n
	}
	l := math.Exp(-lam)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// buySize is an organic buy in ETH: log-normal around 1% of the initial
// pool (capped at 3 ETH), never more than a fifth of the current pool.
// Sizing on the initial pool keeps growth linear, not compounding.
func buySize(r *rand.Rand, initWETH, poolWETH float64) float64 {
	med := math.Max(0.01, math.Min(3, initWETH*0.01))
	x := med * math.Exp(0.9*r.NormFloat64())
	return math.Min(x, math.Max(0.02, poolWETH*0.2))
}

// runHour plans and executes one token-hour against st. In record mode
// (the skeleton pass) it schedules future sells into sk.queued and fills
// event records; in emit mode it builds the transactions and logs.
func (m *market) runHour(t *token, h int, st *chainState, sk *skeleton, record, emit bool) hourResult {
	hs := m.hourStart(h)
	he := hs + 3600
	var res hourResult
	if t.launch >= he {
		return res
	}
	r := m.k.rng("hour", t.idx, h)
	var its []intent
	add := func(it intent) {
		it.seq = len(its)
		its = append(its, it)
	}
	in := func(ts int64) bool { return ts >= hs && ts < he }

	minSec := 0
	if in(t.launch) {
		s := int(t.launch - hs)
		add(intent{sec: s, kind: iCreate})
		for j := range t.team {
			add(intent{sec: s + secsPerBlock*(1+j), kind: iTeam, j: j})
		}
		s += secsPerBlock * (len(t.team) + 1)
		add(intent{sec: s, kind: iAddLiq})
		if t.renounce {
			add(intent{sec: s + 2*secsPerBlock, kind: iRenounce})
			add(intent{sec: s + 3*secsPerBlock, kind: iBurnLP})
		}
		minSec = s + secsPerBlock
	}

	// Organic buyers: many at launch, fading to the token's base rate, and
	// nearly none once it has been rugged.
	age := math.Max(0, float64(hs-t.launch)/3600)
	st.mood = 0.92*st.mood + 0.3*r.NormFloat64()
	lam := t.activity * (0.25 + 3*math.Exp(-age/36) + 0.75*math.Exp(-age/240)) * math.Exp(st.mood)
	if t.honeypot {
		lam *= math.Exp(-age / 48) // word gets out: nobody can sell
	}
	if t.deadAfter != 0 && hs >= t.deadAfter {
		lam *= 0.03
	}
	pool := fromUnits(st.rWeth, 18)
	if pool == 0 {
		pool = t.initWETH
	}
	n := poisson(r, lam)
	for i := 0; i < n; i++ {
		sec := minSec + r.IntN(3600-minSec)
		if t.deadAfter != 0 && in(t.deadAfter) && int64(sec)+hs > t.deadAfter {
			// buyers stop at the rug
			r.Float64()
			continue
		}
		add(intent{sec: sec, kind: iBuy, role: roleOrganic, from: m.k.addr("w", t.idx, h, i), weth: buySize(r, t.initWETH, pool), schedule: true})
	}
	for _, q := range sk.queued[h] {
		add(q)
	}
	for _, ev := range t.events {
		if ev.end+3600 < hs || ev.start >= he {
			continue
		}
		switch ev.kind {
		case KindPumpAndDump:
			for j, w := range ev.wallets {
				if tb := ev.start + int64(secsPerBlock*(j%ev.buyBlocks)); in(tb) {
					add(intent{sec: int(tb - hs), kind: iBuy, role: rolePump, from: w, weth: 0, ev: ev, j: j})
				}
				if in(ev.dumpAt[j]) {
					add(intent{sec: int(ev.dumpAt[j] - hs), kind: iSell, role: rolePump, from: w, ev: ev, j: j, full: true})
				}
			}
			fr := m.k.rng("fomo", ev.id)
			nf := 15 + fr.IntN(20)
			for i := 0; i < nf; i++ {
				at := ev.start + 36 + int64(fr.IntN(1200))
				size := 0.05 + 0.6*fr.Float64()
				if in(at) {
					add(intent{sec: int(at - hs), kind: iBuy, role: roleFOMO, from: m.k.addr("fomo", ev.id, i), weth: size, schedule: true})
				}
			}
		case KindRugPull:
			if ev.method == RugLPRemoval {
				if in(ev.start) {
					add(intent{sec: int(ev.start - hs), kind: iRemoveLiq, share: ev.share, ev: ev})
				}
			} else {
				for p := 0; p < ev.pieces; p++ {
					if at := ev.start + int64(p*2*secsPerBlock); in(at) {
						add(intent{sec: int(at - hs), kind: iSell, role: roleDevDump, from: t.Creator, ev: ev, j: p})
					}
				}
			}
		case KindWhaleTransfer:
			if in(ev.start) {
				amt := new(big.Int).Mul(t.teamAmt[ev.teamIdx], big.NewInt(int64(ev.share*1e6)))
				amt.Quo(amt, big.NewInt(1e6))
				add(intent{sec: int(ev.start - hs), kind: iTransfer, role: roleWhale, from: ev.from, to: ev.to, amt: amt, ev: ev})
			}
		case KindWashTrading:
			for li, lt := range ev.loops {
				if !in(lt) {
					continue
				}
				s := int(lt - hs)
				w := ev.washW * (0.8 + 0.4*m.k.float01("wash", ev.id, li))
				add(intent{sec: s, kind: iBuy, role: roleWash, from: ev.washA, weth: w, ev: ev, j: li})
				add(intent{sec: s + 24, kind: iTransfer, role: roleWash, from: ev.washA, to: ev.washB, ev: ev, j: li})
				add(intent{sec: s + 48, kind: iTransfer, role: roleWash, from: ev.washB, to: ev.washA, ev: ev, j: li})
				add(intent{sec: s + 72, kind: iSell, role: roleWash, from: ev.washA, ev: ev, j: li})
			}
		}
	}
	for _, hsell := range t.honeySells {
		if in(hsell.at) {
			add(intent{sec: int(hsell.at - hs), kind: iSell, role: roleOwner, from: t.Creator, share: hsell.share})
		}
	}
	for i := range t.admin {
		if a := &t.admin[i]; in(a.at) {
			add(intent{sec: int(a.at - hs), kind: iAdmin, from: t.Creator, admin: a})
		}
	}
	order := make([]int32, len(its))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(a, b int) bool {
		x, y := &its[order[a]], &its[order[b]]
		if x.sec != y.sec {
			return x.sec < y.sec
		}
		return x.seq < y.seq
	})

	x := executor{m: m, t: t, h: h, hs: hs, st: st, sk: sk, record: record, emit: emit}
	if record {
		x.sched = m.k.rng("sched", t.idx, h)
	}
	x.bar.launched = true
	p0 := st.price(t)
	x.bar.open, x.bar.high, x.bar.low, x.bar.close = p0, p0, p0, p0
	for _, i := range order {
		x.exec(&its[i])
	}
	st.launched = true
	if emit {
		x.assignBlocks()
	}
	res.bar = x.bar
	res.txs = x.txs
	return res
}

type executor struct {
	m      *market
	t      *token
	h      int
	hs     int64
	st     *chainState
	sk     *skeleton
	record bool
	emit   bool
	sched  *rand.Rand
	bar    hourBar
	txs    []*chainTx

	pumpTotal float64
	pumpFirst bool
	washAmt   map[int]*big.Int
	dumpUnit  *big.Int
}

var (
	b997  = big.NewInt(997)
	b1000 = big.NewInt(1000)
)

// amountOut is UniswapV2Library.getAmountOut.
func amountOut(in, rIn, rOut *big.Int) *big.Int {
	inFee := new(big.Int).Mul(in, b997)
	num := new(big.Int).Mul(inFee, rOut)
	den := new(big.Int).Mul(rIn, b1000)
	den.Add(den, inFee)
	if den.Sign() == 0 {
		return new(big.Int)
	}
	return num.Quo(num, den)
}

func (x *executor) price() float64 { return x.st.price(x.t) }

func (x *executor) touch() {
	p := x.price()
	if x.bar.open == 0 {
		x.bar.open, x.bar.high, x.bar.low = p, p, p
	}
	x.bar.high = math.Max(x.bar.high, p)
	if p > 0 && (x.bar.low == 0 || p < x.bar.low) {
		x.bar.low = p
	}
	x.bar.close = p
}

func (x *executor) newTx(it *intent, from, to string, meth method, value *big.Int) *chainTx {
	if !x.emit {
		return nil
	}
	tx := &chainTx{
		hash:     x.m.k.hash32("tx", x.t.idx, x.h, it.seq),
		sec:      it.sec,
		from:     from,
		to:       to,
		value:    value,
		methodID: meth.id,
		fn:       meth.display,
	}
	if tx.value == nil {
		tx.value = new(big.Int)
	}
	x.txs = append(x.txs, tx)
	return tx
}

func (tx *chainTx) transfer(token, from, to string, v *big.Int) {
	if tx == nil {
		return
	}
	tx.transfers = append(tx.transfers, tokTransfer{from: from, to: to, value: new(big.Int).Set(v)})
	tx.log(token, data(v), TopicTransfer, topicAddr(from), topicAddr(to))
}

func (tx *chainTx) log(addr, d string, topics ...string) {
	if tx == nil {
		return
	}
	tx.logs = append(tx.logs, evLog{address: addr, topics: topics, data: d})
}

func (x *executor) syncLog(tx *chainTx) {
	if tx == nil {
		return
	}
	r0, r1 := x.st.rTok, x.st.rWeth
	if !x.t.token0 {
		r0, r1 = r1, r0
	}
	tx.log(x.t.Pair, data(r0, r1), TopicSync)
}

// swapLog emits Swap with the amounts in token0/token1 order.
func (x *executor) swapLog(tx *chainTx, tokIn, wethIn, tokOut, wethOut *big.Int, to string) {
	if tx == nil {
		return
	}
	a0in, a1in, a0out, a1out := tokIn, wethIn, tokOut, wethOut
	if !x.t.token0 {
		a0in, a1in, a0out, a1out = wethIn, tokIn, wethOut, tokOut
	}
	tx.log(x.t.Pair, data(a0in, a1in, a0out, a1out), TopicSwap, topicAddr(addrRouter), topicAddr(to))
}

func (x *executor) stat(ev *event, key string, v any) {
	if x.record && ev != nil {
		if ev.stats == nil {
			ev.stats = map[string]any{}
		}
		ev.stats[key] = v
	}
}

func (x *executor) exec(it *intent) {
	t, st := x.t, x.st
	zero := new(big.Int)
	switch it.kind {
	case iCreate:
		st.creatorTok.Set(t.Supply)
		tx := x.newTx(it, t.Creator, "", method{mCreateCode, ""}, nil)
		if tx != nil {
			tx.created = t.Address
			tx.log(t.Address, "0x", TopicOwnershipTransferred, topicAddr(addrZero), topicAddr(t.Creator))
			tx.transfer(t.Address, addrZero, t.Creator, t.Supply)
		}
		st.holders = 1
	case iTeam:
		amt := t.teamAmt[it.j]
		st.creatorTok.Sub(st.creatorTok, amt)
		st.holders++
		tx := x.newTx(it, t.Creator, t.Address, mTransfer, nil)
		tx.transfer(t.Address, t.Creator, t.team[it.j], amt)
	case iAddLiq:
		tokAmt := new(big.Int).Mul(t.Supply, big.NewInt(int64(t.poolShare*1e6)))
		tokAmt.Quo(tokAmt, big.NewInt(1e6))
		if tokAmt.Cmp(st.creatorTok) > 0 {
			tokAmt.Set(st.creatorTok)
		}
		wethAmt := toUnits(t.initWETH, 18)
		st.creatorTok.Sub(st.creatorTok, tokAmt)
		st.rTok.Set(tokAmt)
		st.rWeth.Set(wethAmt)
		liq := new(big.Int).Sqrt(new(big.Int).Mul(tokAmt, wethAmt))
		st.lpSupply.Set(liq)
		minLiq := big.NewInt(1000)
		liq.Sub(liq, minLiq)
		st.creatorLP.Set(liq)
		st.holders++
		tx := x.newTx(it, t.Creator, addrRouter, mAddLiq, wethAmt)
		if tx != nil {
			tx.transfer(t.Address, t.Creator, t.Pair, tokAmt)
			tx.log(t.Pair, data(minLiq), TopicTransfer, topicAddr(addrZero), topicAddr(addrZero))
			tx.log(t.Pair, data(liq), TopicTransfer, topicAddr(addrZero), topicAddr(t.Creator))
			x.syncLog(tx)
			a0, a1 := tokAmt, wethAmt
			if !t.token0 {
				a0, a1 = a1, a0
			}
			tx.log(t.Pair, data(a0, a1), TopicMint, topicAddr(addrRouter))
		}
		x.touch()
		if tx != nil {
			tx.priceAft = x.price()
		}
	case iRenounce:
		tx := x.newTx(it, t.Creator, t.Address, mRenounce, nil)
		tx.log(t.Address, "0x", TopicOwnershipTransferred, topicAddr(t.Creator), topicAddr(addrZero))
	case iBurnLP:
		tx := x.newTx(it, t.Creator, t.Pair, mTransfer, nil)
		tx.log(t.Pair, data(st.creatorLP), TopicTransfer, topicAddr(t.Creator), topicAddr(addrDead))
		st.creatorLP.SetInt64(0)
	case iBuy:
		if st.rWeth.Sign() == 0 {
			return
		}
		weth := it.weth
		if it.role == rolePump {
			if !x.pumpFirst {
				x.pumpFirst = true
				pool := fromUnits(st.rWeth, 18)
				sum := 0.0
				for _, w := range it.ev.weights {
					sum += w
				}
				x.pumpTotal = pool * (math.Sqrt(it.ev.multiple) - 1) / sum
				x.stat(it.ev, "price_before_weth", x.price())
				x.stat(it.ev, "first_block", x.blockOf(it.sec))
			}
			weth = x.pumpTotal * it.ev.weights[it.j]
		}
		in := toUnits(weth, 18)
		out := amountOut(in, st.rWeth, st.rTok)
		st.rWeth.Add(st.rWeth, in)
		st.rTok.Sub(st.rTok, out)
		x.bar.buys++
		x.bar.volWETH += weth
		tx := x.newTx(it, it.from, addrRouter, mBuy, in)
		if tx != nil {
			tx.transfer(t.Address, t.Pair, it.from, out)
			x.syncLog(tx)
			x.swapLog(tx, zero, in, out, zero, it.from)
			tx.swap, tx.buy, tx.wethAmt = true, true, weth
		}
		x.touch()
		if tx != nil {
			tx.priceAft = x.price()
		}
		switch it.role {
		case rolePump:
			if x.record {
				it.ev.bought[it.j] = out
			}
			st.holders++
			if it.j == len(it.ev.wallets)-1 || it.j%it.ev.buyBlocks == it.ev.buyBlocks-1 {
				x.stat(it.ev, "price_after_buys_weth", x.price())
				x.stat(it.ev, "last_buy_block", x.blockOf(it.sec))
			}
		case roleWash:
			if x.washAmt == nil {
				x.washAmt = map[int]*big.Int{}
			}
			x.washAmt[it.j] = out
		default:
			st.holders++
			if x.record && it.schedule {
				x.schedulePosition(it, out)
			}
		}
	case iSell:
		if st.rWeth.Sign() == 0 {
			return
		}
		amt := it.amt
		switch it.role {
		case rolePump:
			amt = it.ev.bought[it.j]
		case roleWash:
			amt = x.washAmt[it.j]
		case roleDevDump:
			if x.dumpUnit == nil {
				x.dumpUnit = new(big.Int).Mul(st.creatorTok, big.NewInt(int64(it.ev.share*1e6)))
				x.dumpUnit.Quo(x.dumpUnit, big.NewInt(int64(1e6*it.ev.pieces)))
				x.stat(it.ev, "price_before_weth", x.price())
				x.stat(it.ev, "block", x.blockOf(it.sec))
				x.stat(it.ev, "tokens_sold", new(big.Int).Mul(x.dumpUnit, big.NewInt(int64(it.ev.pieces))).String())
				x.stat(it.ev, "supply_share_sold", fromUnits(new(big.Int).Mul(x.dumpUnit, big.NewInt(int64(it.ev.pieces))), t.Decimals)/t.supplyF)
			}
			amt = x.dumpUnit
		case roleOwner:
			amt = new(big.Int).Mul(st.creatorTok, big.NewInt(int64(it.share*1e6)))
			amt.Quo(amt, big.NewInt(1e6))
		}
		if amt == nil || amt.Sign() == 0 {
			return
		}
		if it.from == t.Creator {
			if amt.Cmp(st.creatorTok) > 0 {
				amt = new(big.Int).Set(st.creatorTok)
			}
			st.creatorTok.Sub(st.creatorTok, amt)
		}
		out := amountOut(amt, st.rTok, st.rWeth)
		st.rTok.Add(st.rTok, amt)
		st.rWeth.Sub(st.rWeth, out)
		weth := fromUnits(out, 18)
		x.bar.sells++
		x.bar.volWETH += weth
		tx := x.newTx(it, it.from, addrRouter, mSell, nil)
		if tx != nil {
			tx.transfer(t.Address, it.from, t.Pair, amt)
			x.syncLog(tx)
			x.swapLog(tx, amt, zero, zero, out, addrRouter)
			tx.swap, tx.wethAmt = true, weth
		}
		x.touch()
		if tx != nil {
			tx.priceAft = x.price()
		}
		if it.full {
			st.holders--
		}
		if it.role == roleDevDump && it.j == it.ev.pieces-1 {
			x.stat(it.ev, "price_after_weth", x.price())
		}
	case iTransfer:
		amt := it.amt
		if it.role == roleWash {
			amt = x.washAmt[it.j]
		}
		if amt == nil || amt.Sign() == 0 {
			return
		}
		if it.role != roleWash {
			st.holders++
		}
		tx := x.newTx(it, it.from, t.Address, mTransfer, nil)
		tx.transfer(t.Address, it.from, it.to, amt)
		if it.role == roleWhale {
			x.stat(it.ev, "amount", amt.String())
			x.stat(it.ev, "supply_share", fromUnits(amt, t.Decimals)/t.supplyF)
			x.stat(it.ev, "block", x.blockOf(it.sec))
			x.stat(it.ev, "tx_hash", x.m.k.hash32("tx", t.idx, x.h, it.seq))
		}
	case iRemoveLiq:
		if st.lpSupply.Sign() == 0 {
			return
		}
		liq := new(big.Int).Mul(st.creatorLP, big.NewInt(int64(it.share*1e6)))
		liq.Quo(liq, big.NewInt(1e6))
		a := new(big.Int).Mul(liq, st.rTok)
		a.Quo(a, st.lpSupply)
		w := new(big.Int).Mul(liq, st.rWeth)
		w.Quo(w, st.lpSupply)
		x.stat(it.ev, "liquidity_weth_before", fromUnits(st.rWeth, 18))
		x.stat(it.ev, "block", x.blockOf(it.sec))
		x.stat(it.ev, "tx_hash", x.m.k.hash32("tx", t.idx, x.h, it.seq))
		x.stat(it.ev, "lp_share_removed", fromUnits(liq, 0)/fromUnits(st.lpSupply, 0))
		st.lpSupply.Sub(st.lpSupply, liq)
		st.creatorLP.Sub(st.creatorLP, liq)
		st.rTok.Sub(st.rTok, a)
		st.rWeth.Sub(st.rWeth, w)
		st.creatorTok.Add(st.creatorTok, a)
		x.stat(it.ev, "liquidity_weth_after", fromUnits(st.rWeth, 18))
		tx := x.newTx(it, t.Creator, addrRouter, mRemoveLiq, nil)
		if tx != nil {
			tx.log(t.Pair, data(liq), TopicTransfer, topicAddr(t.Creator), topicAddr(t.Pair))
			tx.log(t.Pair, data(liq), TopicTransfer, topicAddr(t.Pair), topicAddr(addrZero))
			tx.transfer(t.Address, t.Pair, addrRouter, a)
			x.syncLog(tx)
			a0, a1 := a, w
			if !t.token0 {
				a0, a1 = a1, a0
			}
			tx.log(t.Pair, data(a0, a1), TopicBurn, topicAddr(addrRouter), topicAddr(addrRouter))
			tx.transfer(t.Address, addrRouter, t.Creator, a)
		}
		x.touch()
		if tx != nil {
			tx.priceAft = x.price()
		}
	case iAdmin:
		tx := x.newTx(it, t.Creator, t.Address, method{methodID(it.admin.sig), it.admin.display}, nil)
		if tx != nil {
			tx.input = tx.methodID + it.admin.arg
		}
	}
}

// schedulePosition decides what an organic buyer does with its tokens
// later: sell all or part, give part away, or hold. Honeypot buyers can
// never sell.
func (x *executor) schedulePosition(it *intent, out *big.Int) {
	r := x.sched
	t := x.t
	now := x.hs + int64(it.sec)
	pSell, mean := 0.9, 14.0*3600
	if it.role == roleFOMO {
		pSell, mean = 0.97, 1.5*3600
	}
	if t.honeypot {
		pSell = 0
	}
	push := func(at int64, q intent) {
		hq := x.m.hourOf(at)
		if hq <= x.h || hq >= len(x.sk.queued) {
			return
		}
		q.sec = int(at - x.m.hourStart(hq))
		x.sk.queued[hq] = append(x.sk.queued[hq], q)
	}
	u := r.Float64()
	switch {
	case u < pSell:
		at := now + 3600 + int64(r.ExpFloat64()*mean)
		amt := new(big.Int).Set(out)
		full := true
		if r.Float64() < 0.15 {
			amt.Mul(amt, big.NewInt(int64(500+r.IntN(400))))
			amt.Quo(amt, big.NewInt(1000))
			full = false
		}
		push(at, intent{kind: iSell, role: roleOrganic, from: it.from, amt: amt, full: full})
	case u < pSell+0.06:
		at := now + 1800 + int64(r.ExpFloat64()*6*3600)
		amt := new(big.Int).Mul(out, big.NewInt(int64(300+r.IntN(300))))
		amt.Quo(amt, big.NewInt(1000))
		push(at, intent{kind: iTransfer, role: roleOrganic, from: it.from, to: x.m.k.addr("gift", t.idx, x.h, it.seq), amt: amt})
	}
}

func (x *executor) blockOf(sec int) uint64 {
	b := blockAtOrAfter(x.hs + int64(sec))
	if last := blockAtOrAfter(x.hs+3600) - 1; b > last {
		b = last
	}
	return b
}

// assignBlocks gives each transaction its block, position, gas and log
// indices. Positions are seeded per (block, token) so two tokens rarely
// collide in one block.
func (x *executor) assignBlocks() {
	k := x.m.k
	type slot struct{ nextTx, nextLog int }
	slots := map[uint64]*slot{}
	for _, tx := range x.txs {
		tx.block = x.blockOf(tx.sec)
		tx.ts = blockTime(tx.block)
		s := slots[tx.block]
		if s == nil {
			base := int(k.u64("txi", tx.block, x.t.idx) % 140)
			s = &slot{nextTx: base, nextLog: base * 3}
			slots[tx.block] = s
		}
		tx.index = s.nextTx
		s.nextTx++
		for i := range tx.logs {
			tx.logs[i].logIndex = s.nextLog
			s.nextLog++
		}
		gp := k.u64("gasprice", tx.block)
		tx.gasPrice = 3_000_000_000 + gp%25_000_000_000
		switch {
		case tx.created != "":
			tx.gas, tx.gasUsed = 2_400_000, 1_650_000+uint64(k.u64("gu", tx.hash)%200_000)
		case tx.methodID == mAddLiq.id || tx.methodID == mRemoveLiq.id:
			tx.gas, tx.gasUsed = 3_500_000, 2_500_000+uint64(k.u64("gu", tx.hash)%400_000)
		case tx.swap:
			tx.gas, tx.gasUsed = 300_000, 120_000+uint64(k.u64("gu", tx.hash)%60_000)
		default:
			tx.gas, tx.gasUsed = 80_000, 34_000+uint64(k.u64("gu", tx.hash)%18_000)
		}
		tx.cumGas = tx.gasUsed + uint64(tx.index)*95_000 + k.u64("cg", tx.hash)%50_000
		tx.nonce = k.u64("nonce", tx.from) % 300
		if tx.input == "" {
			tx.input = tx.methodID + strings.Repeat("0", 64)
		}
	}
}

// hourTxs are the token's transactions in hour h, generated on demand
// and cached.
func (s *Sim) hourTxs(t *token, h int) []*chainTx {
	if h < 0 || h >= s.m.hours {
		return nil
	}
	key := cacheKey{kind: 'c', tok: t.idx, hour: h}
	if v, ok := s.cache.get(key); ok {
		return v.([]*chainTx)
	}
	sk := s.m.skel(t)
	st := sk.states[h].clone()
	res := s.m.runHour(t, h, &st, sk, false, true)
	s.cache.put(key, res.txs)
	return res.txs
}
