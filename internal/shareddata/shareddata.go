// Package shareddata locates the real test and benchmark data kept outside the
// repository (../shared/data next to the checkout), and holds the search
// queries measured against its news corpus. Tests that need the data call
// Dir, which skips the test with a clear message when the data is absent, so
// the suite passes on a fresh machine from the README alone. It does not
// import package testing, so that commands may use Find.
package shareddata

import (
	"os"
	"path/filepath"
)

// EnvVar names the environment variable that can point at the data directory
// directly.
const EnvVar = "NEWSVAULT_SHARED_DATA"

// Find returns the shared data directory, or "" when there is none. It looks
// at $NEWSVAULT_SHARED_DATA, then for shared/data in the working directory and
// each of its parents.
func Find() string {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "data")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Skipper is the part of testing.TB that Dir uses.
type Skipper interface {
	Helper()
	Skipf(format string, args ...any)
}

// Dir returns the shared data directory joined with elem, and skips tb when
// it is missing.
func Dir(tb Skipper, elem ...string) string {
	tb.Helper()
	d := Find()
	if d == "" {
		tb.Skipf("shared test data not found: put it at ../shared/data beside the checkout or set %s", EnvVar)
	}
	p := filepath.Join(append([]string{d}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared test data %s not found: %v", p, err)
	}
	return p
}

// SearchQueries are what newsvault-bench search asks, and what the crash
// test compares between stores: one- to four-word queries of the
// kind readers of a Chinese news archive type, in simplified and
// traditional script and in English, a few with filters or exclusions.
var SearchQueries = []string{
	// Places and people.
	"北京", "上海", "武汉", "香港", "台湾", "新疆", "西藏", "南海", "深圳", "成都",
	"卢卡申科", "盧卡申科", "特朗普", "拜登", "习近平", "習近平", "蓬佩奥", "林郑月娥", "黎智英", "蔡英文",
	"普京", "金正恩", "默克尔", "约翰逊", "孟晚舟", "钟南山", "李文亮", "赵立坚", "许志永", "达赖喇嘛",
	// Topics, two to four words.
	"香港 国安法", "新冠 疫苗", "美国 制裁 新疆", "中美 贸易战", "香港 示威 警察", "新疆 维吾尔 集中营",
	"世界卫生组织", "病毒 溯源", "长江 洪水", "三峡大坝", "中印 边境 冲突", "休斯顿 领事馆 关闭",
	"留学生 签证", "华为 5G 英国", "字节跳动 抖音", "TikTok 禁令", "人民币 汇率", "美联储 利率",
	"失业率", "经济 增长 第二季度", "股市", "石油 价格", "记者 驱逐", "新闻 自由", "网络 审查 微信",
	"宗教 自由", "人权 律师", "法院 判决", "逮捕 抗议者", "国家安全", "國家安全", "臺灣 選舉",
	"疫情 口罩", "核酸 检测", "封城", "外交部 发言人", "联合国 人权理事会", "北约", "欧盟 中国 投资协定",
	"美国 大选", "日本 安倍", "韩国 朝鲜", "印度 莫迪", "澳大利亚 煤炭", "加拿大", "伊朗 核协议", "以色列",
	// Exact phrases, exclusions, filters.
	`"Hong Kong"`, `"national security law"`, `"一国两制"`, "香港 -国安法", "疫情 after:2020-07-01",
	"白俄罗斯", "新冠病毒",
	// English.
	"WHO", "Trump", "Beijing", "coronavirus", "Xinjiang", "Huawei", "Lukashenko", "Hong Kong protests",
	"Uighur", "COVID-19 vaccine", "South China Sea", "Pompeo sanctions", "TikTok", "Reuters", "Biden", "Taiwan",
}
