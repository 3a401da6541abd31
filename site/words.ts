/**
 * The site's own words, in each of its languages: the frame around the lessons (the bars, the
 * buttons, the index's groups, the exercise pages). The lessons, the README and TEACHING.md speak
 * for themselves; an exercise's title, task and hints are written in check/sets/, in English and
 * in Chinese (`zh`), and a Chinese page shows the English ones, marked so, only where `zh` is
 * missing.
 */

export interface Lang {
  code: 'en' | 'zh';
  /** The page's `<html lang>`: it picks the CJK font for Chinese (Noto Sans CJK SC). */
  html: string;
  /** Its folder in dist/site/, and in lessons/. */
  dir: '' | 'zh/';
  lessons: string;
  readme: string;
  /** Its name on the language switch, in itself. */
  name: string;
  w: Words;
}

export interface Words {
  site: string;
  lessons: string;
  all: { short: string; long: string };
  keys: string;
  copyFile: string;
  copy: string;
  copied: string;
  selected: string;
  runsWith: (pairs: string[]) => string;
  list: (items: string[]) => string;
  theScript: string;
  theStarter: string;
  groups: { tutorial: string; beyond: string };
  columns: [string, string, string, string, string];
  /** The Mirrors column: the script's `@mirrors` tag, in this language. */
  mirrors: (tag: string) => string;
  /** A lesson that this language does not have yet, linked in English. */
  inEnglish: string;
  exercises: string;
  exercise: string;
  /** On a lesson's page, above its exercises. */
  lessonExercises: string;
  /** Beside an exercise's English title, task and hints, on a page in a language it lacks. */
  exercisesIntro: string;
  exercisesColumns: [string, string, string];
  cutFrom: (n: string, lesson: string, script: string) => string;
  task: string;
  hints: string;
  hint: (n: number) => string;
  commands: string;
  said: { start: string; hint: string; check: (lesson: string) => string; solution: string };
  passes: (id: string) => string;
  ownChecks: string;
  more: string;
  /** After the link to the exercises: how many, and what they are. */
  allExercises: (n: number) => string;
  teaching: string;
  glossary?: string;
}

const en: Words = {
  site: 'Sockets by example',
  lessons: 'Lessons',
  all: { short: '← All', long: '← All lessons' },
  keys: '← and → move between lessons; Ctrl + and Ctrl − change the size',
  copyFile: 'Copy the file',
  copy: 'Copy',
  copied: 'Copied',
  selected: 'Selected: press Ctrl+C',
  runsWith: (pairs) => `Runs with ${pairs.join(', ')}`,
  list: (items) => items.join(', '),
  theScript: 'The script',
  theStarter: 'The starter file',
  groups: {
    tutorial: 'The tutorial, listing by listing (00–15)',
    beyond: 'Beyond the tutorial (16 and on)',
  },
  columns: ['#', 'Lesson', 'Mirrors', 'Pair', 'Script'],
  mirrors: (tag) => tag,
  inEnglish: '',
  exercises: 'Exercises',
  exercise: 'Exercise',
  lessonExercises:
    "Cut from this lesson's script: copy one out, write the part that is missing, and let the kit check it.",
  exercisesIntro:
    "Each exercise is one of the kit's scripts with a part cut out and a TODO in its place. The starter files are cut from the scripts themselves, so they never drift from the lessons. Start one, write the missing part, and check it:",
  exercisesColumns: ['Exercise', 'Lesson', 'What to build'],
  cutFrom: (n, lesson, script) =>
    `From lesson ${n}, ${lesson}: the starter file beside this is its script, ${script}, with a part cut out and a TODO in its place.`,
  task: 'The task',
  hints: 'Hints',
  hint: (n) => `Hint ${n}`,
  commands: 'Start, check',
  said: {
    start: 'copies the starter to my-exercises/',
    hint: 'the next hint',
    check: (lesson) => `lesson ${lesson}'s checks against your copy`,
    solution: "the kit's answer, once yours passes",
  },
  passes: (id) =>
    `It passes when the last line says \`N passed, 0 failed\` (the exit code is then 0). A copy kept elsewhere: \`npm run exercises -- check ${id} PATH\`.`,
  ownChecks: "Its own checks, beside the lesson's:",
  more: 'Exercises and teaching',
  allExercises: (n) => `: ${n} exercises, cut from the scripts, each with its check`,
  teaching:
    'Teaching with the kit: handing out exercises, grading them in GitHub Classroom or any CI, adding one',
};

const zh: Words = {
  site: '用例子学套接字',
  lessons: '课文',
  all: { short: '← 全部', long: '← 全部课文' },
  keys: '← 和 → 切换课文；Ctrl + 和 Ctrl − 调整字号',
  copyFile: '复制整个文件',
  copy: '复制',
  copied: '已复制',
  selected: '已选中：请按 Ctrl+C',
  runsWith: (pairs) => `配对的脚本：${pairs.join('、')}`,
  list: (items) => items.join('、'),
  theScript: '脚本',
  theStarter: '练习文件',
  groups: { tutorial: '教程的代码，逐段对照（00–15）', beyond: '超出教程（16 及以后）' },
  columns: ['#', '课文', '对应教程', '配对', '脚本'],
  // The words the Chinese lessons use for the same sections (lessons/zh/, their first lines).
  mirrors: (tag) =>
    tag
      .replace(/, case (\d) (server|client)$/, (_, n, role) =>
        role === 'server' ? `，第 ${n} 种情况，服务端` : `，第 ${n} 种情况，客户端`,
      )
      .replace(/ server$/, ' 服务端')
      .replace(/ client$/, ' 客户端')
      .replace(', the cure', '，解法')
      .replace(', many clients at once', '，同时服务多个客户端')
      .replace(', across processes', '，跨进程')
      .replace(' (beyond the tutorial)', '（超出教程）')
      .replace(/"([^"]*)"/g, '“$1”'),
  inEnglish: '（英文）',
  exercises: '练习',
  exercise: '练习',
  lessonExercises:
    '这些练习由本课的脚本挖掉一段而成：复制一份出来，补上缺的那段，再让本套课程来检查。',
  exercisesIntro:
    '每个练习都是本套课程的一个脚本，挖掉一段，换成一条 TODO。练习文件直接从脚本里切出来，所以总是和课文一致。开始一个练习，补上缺的那段，再检查：',
  exercisesColumns: ['练习', '课文', '要做什么'],
  cutFrom: (n, lesson, script) =>
    `出自第 ${n} 课（${lesson}）：旁边的练习文件就是这一课的脚本 ${script}，挖掉了一段，换成了一条 TODO。`,
  task: '任务',
  hints: '提示',
  hint: (n) => `提示 ${n}`,
  commands: '开始、检查',
  said: {
    start: '把练习文件复制到 my-exercises/',
    hint: '下一条提示',
    check: (lesson) => `用第 ${lesson} 课的检查来检查你的副本`,
    solution: '你的通过之后，看本套课程的答案',
  },
  passes: (id) =>
    `最后一行是 \`N passed, 0 failed\`（这时退出码是 0）就算通过。放在别处的副本：\`npm run exercises -- check ${id} PATH\`。`,
  ownChecks: '除了本课的检查，它还有自己的检查（检查程序用英文逐条报告）：',
  more: '练习与教学',
  allExercises: (n) => `：${n} 个练习，从脚本里切出来，每个都能检查`,
  teaching: '教学指南：怎样发练习，怎样在 GitHub Classroom 或任何 CI 里评分，怎样添加练习',
  glossary: '术语表：中文课文里每个术语的统一译法',
};

export const langs: Lang[] = [
  {
    code: 'en',
    html: 'en',
    dir: '',
    lessons: 'lessons',
    readme: 'README.md',
    name: 'English',
    w: en,
  },
  {
    code: 'zh',
    html: 'zh-CN',
    dir: 'zh/',
    lessons: 'lessons/zh',
    readme: 'README.zh.md',
    name: '中文',
    w: zh,
  },
];
